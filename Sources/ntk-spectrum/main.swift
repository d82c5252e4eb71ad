import StageCLI

SpectrumCommand.runStage()
