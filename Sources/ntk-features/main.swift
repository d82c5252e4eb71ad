import StageCLI

FeaturesCommand.runStage()
