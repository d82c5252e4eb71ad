import StageCLI

HTMLReportCommand.runStage()
