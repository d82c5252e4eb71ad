import StageCLI

TrainCommand.runStage()
