import StageCLI

ReportCommand.main()
