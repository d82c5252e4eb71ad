import StageCLI

InfiniteKernelCommand.runStage()
