import StageCLI

TruthCommand.main()
