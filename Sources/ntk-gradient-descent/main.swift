import StageCLI

GradientDescentCommand.runStage()
