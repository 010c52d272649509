"""How the engine unwinds from deep inside a step: each exception says why the step (or the run)
stops here, and `Engine.run` / `Engine._run_step` turn it into the journaled outcome."""


class RunAborted(Exception):
    """The operator aborted: the running command is killed and the run ends."""


class FrontEndLeft(Exception):
    """The front end is leaving: nothing is killed, the run stops where it is, resume continues."""


class StepFailed(Exception):
    """A command, a wait or a verification failed; the operator chooses retry, skip or abort."""


class StepSkipped(Exception):
    """The operator skipped the step while it ran."""


class RunFailed(Exception):
    """A step failed under `--yes --on-failure abort`: the run ends failed, nobody is asked."""
