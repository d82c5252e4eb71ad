import StageCLI

FeaturesCommand.main()
