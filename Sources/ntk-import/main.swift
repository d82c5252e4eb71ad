import StageCLI

ImportCommand.runStage()
