# An exception raised while handling another ("During handling of the above exception,
# another exception occurred:") and one raised `from` it ("The above exception was the
# direct cause of the following exception:").
def parse(text):
    return int(text)


def load(text):
    try:
        return parse(text)
    except ValueError:
        raise KeyError("no such setting")


def main():
    try:
        load("x")
    except KeyError as e:
        raise RuntimeError("startup failed") from e


main()
