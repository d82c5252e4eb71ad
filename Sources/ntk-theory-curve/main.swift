import StageCLI

TheoryCurveCommand.runStage()
