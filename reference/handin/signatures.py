"""A graded function called as the assignment calls it, or one plain sentence when its signature cannot take
that call (a parameter missing or extra), instead of Python's TypeError from somewhere inside the grader."""
import inspect


class SignatureMismatch(TypeError):
    """The student's function cannot take the assignment's call: a message for the student."""


def called(function, call, *args, **kwargs):
    """function(*args, **kwargs); `call` is how the assignment writes that call, e.g.
    "forward_propagation_with_dropout(X, parameters, keep_prob)"."""
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):  # a builtin or an object without one: let the call say
        return function(*args, **kwargs)
    try:
        signature.bind(*args, **kwargs)
    except TypeError as error:
        name = getattr(function, "__name__", call.partition("(")[0])
        raise SignatureMismatch(f"{name}{signature} cannot take the assignment's call {call}: {error}") from None
    return function(*args, **kwargs)
