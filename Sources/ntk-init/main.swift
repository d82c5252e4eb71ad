import StageCLI

InitCommand.runStage()
