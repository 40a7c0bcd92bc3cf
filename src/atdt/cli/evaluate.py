"""(not yet available)"""


def add_arguments(parser):
    pass


def run(args):
    raise ValueError("this command is not implemented yet")
