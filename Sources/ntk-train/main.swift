import StageCLI

TrainCommand.main()
