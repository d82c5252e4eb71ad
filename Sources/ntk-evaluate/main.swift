import StageCLI

EvaluateCommand.main()
