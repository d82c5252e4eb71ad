import StageCLI

KernelConvergenceCommand.runStage()
