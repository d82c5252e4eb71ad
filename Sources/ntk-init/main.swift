import StageCLI

InitCommand.main()
