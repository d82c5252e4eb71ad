import StageCLI

ReportCommand.runStage()
