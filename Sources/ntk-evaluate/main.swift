import StageCLI

EvaluateCommand.runStage()
