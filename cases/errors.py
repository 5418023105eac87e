"""Why the workflow refused an action (cases.workflow). Nothing was changed when one is
raised; views turn them into messages for people, the API into stable codes."""


class WorkflowError(Exception):
    """An action was refused. Nothing was changed. `code` is stable for APIs; `field` names
    the input at fault, if any; str(error) is a sentence for people."""

    code = "refused"

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self):
        return str(self.message)


class UnknownAction(WorkflowError):
    code = "unknown_action"


class InvalidState(WorkflowError):
    code = "invalid_state"


class NotPermitted(WorkflowError):
    code = "not_permitted"


class NotYourParty(WorkflowError):
    code = "not_your_party"


class NotNow(WorkflowError):
    """The state allows the action, but the case's situation does not (yet)."""

    code = "not_now"


class MissingInput(WorkflowError):
    code = "missing_input"


class InvalidInput(WorkflowError):
    code = "invalid_input"
