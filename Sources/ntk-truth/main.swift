import StageCLI

TruthCommand.runStage()
