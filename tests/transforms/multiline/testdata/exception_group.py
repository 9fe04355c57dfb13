# Python 3.11's exception groups (PEP 654): the whole trace is indented under
# "  + Exception Group Traceback", with "|" and "+-" framing; here chained to a KeyError.
def check(order):
    errors = [ValueError("quantity must be positive"), TypeError("price is not a number")]
    raise ExceptionGroup(f"order {order} invalid", errors)


try:
    {}["order"]
except KeyError:
    check(42)
