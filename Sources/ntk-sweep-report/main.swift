import StageCLI

SweepReportCommand.runStage()
