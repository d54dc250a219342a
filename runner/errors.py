"""One shallow hierarchy of user-facing errors.

Every error knows its exit code and where it happened (a file position, an offset in
an expression, a host, a setting). Only ``runner.cli`` prints them or exits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal, NamedTuple

Severity = Literal["error", "warning"]


class Mark(NamedTuple):
    """A position in a source file; ``line`` and ``col`` count from 1.

    A named tuple rather than a dataclass: the loader makes one per YAML node.
    """

    file: str
    """The path as the user named it (or a display name such as ``<string>``)."""
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding about an input file, printed as ``path:line:col: error: message``."""

    mark: Mark
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        return f"{self.mark}: {self.severity}: {self.message}"


class BatonError(Exception):
    """The base of every error baton reports to a user."""

    exit_code: ClassVar[int] = 1

    def __init__(self, message: str, *, where: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        """What went wrong, as one or more sentences."""
        self.where = where
        """Where it happened (a ``file:line:col``, a host, a setting), if known."""

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class UsageError(BatonError):
    """The command line asks for something that cannot be done as asked."""

    exit_code = 2


class ConfigError(BatonError):
    """A setting (``baton.toml``, an environment variable, a flag value) is invalid."""

    exit_code = 2


class WorkflowError(BatonError):
    """A workflow file is invalid; carries every diagnostic of the file."""

    def __init__(self, diagnostics: tuple[Diagnostic, ...]) -> None:
        first = diagnostics[0] if diagnostics else None
        super().__init__(first.message if first else "invalid workflow", where=str(first.mark) if first else None)
        self.diagnostics = diagnostics
        """All findings, errors and warnings, in file order."""

    def __str__(self) -> str:
        return "\n".join(str(d) for d in self.diagnostics)


class ExpressionError(BatonError):
    """An expression failed to lex, parse or evaluate."""

    def __init__(self, message: str, *, expression: str, offset: int | None = None, mark: Mark | None = None) -> None:
        super().__init__(message, where=str(mark) if mark else None)
        self.expression = expression
        """The expression text the error is about."""
        self.offset = offset
        """The 0-based character offset of the fault inside ``expression``, if known."""
        self.mark = mark
        """The file position of the fault, when the expression came from a file."""

    def located(self, mark: Mark) -> ExpressionError:
        """The same error, placed at ``mark`` in a file."""
        return ExpressionError(self.message, expression=self.expression, offset=self.offset, mark=mark)


class PlanError(BatonError):
    """A workflow cannot be turned into a plan (matrix too large, bad ``runs-on``, …)."""


class OutsideRootError(BatonError):
    """A path a workflow names resolves, links followed, outside the folder it must stay in."""


class ExecutorError(BatonError):
    """An executor cannot do its work: engine unreachable, host lost, image missing.

    Each one says whose fault it is (:attr:`is_infrastructure`): the infrastructure broke
    (a lost connection, an engine that failed or does not answer, a pull that failed, a
    host that cannot be reached), and the job runs again as a new attempt; or the job
    asked for something that cannot be done (an image name that does not exist, a refused
    bind, a missing path), which no retry mends. Unless said otherwise, it is the job's.
    """

    exit_code = 3
    is_infrastructure: bool = False
    """Whether the infrastructure broke (a retry may succeed), not what the job asked for."""

    def __init__(self, message: str, *, where: str | None = None, is_infrastructure: bool | None = None) -> None:
        super().__init__(message, where=where)
        if is_infrastructure is not None:
            self.is_infrastructure = is_infrastructure


class InfrastructureError(ExecutorError):
    """What runs the job broke under it (connection lost, engine failed, host unreachable):
    the job is retried as a new attempt (``[run] retry``)."""

    is_infrastructure = True


def is_infrastructure_failure(exc: BaseException) -> bool:
    """Whether ``exc`` is an executor's report that the infrastructure broke."""
    return isinstance(exc, ExecutorError) and exc.is_infrastructure


class ActionError(BatonError):
    """An action that baton cannot run (missing, remote without network, unsupported kind),
    or a native action's input that it refuses."""


class MissingPathError(ExecutorError):
    """A session path asked for (``Session.download``) does not exist."""


class DeliveryError(BatonError):
    """A notification could not be delivered (the receiver refused it, or never answered)."""


class StoreError(BatonError):
    """The run store cannot be opened or written."""

    exit_code = 3


def internal_failure(exc: Exception) -> str:
    """What a job or step that died of an unexpected exception (a bug in baton, not in the
    workflow) says about it: one line naming the exception, never a traceback."""
    detail = str(exc) or "(no message)"
    if len(detail) > 300:
        detail = detail[:300] + "…"
    return f"baton failed unexpectedly here ({type(exc).__name__}: {detail}); this is a bug in baton, please report it"
