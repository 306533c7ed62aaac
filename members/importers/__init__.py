"""Reading the files a CLP receives: sniffing, layouts, and turning rows into clean records.

Nothing here writes to the database; members.services does, all or nothing.
"""

# A list of problems longer than this shows its first ones and says how many more there are:
# a file with every row wrong would otherwise bury the page (and the terminal) in messages.
MAX_ERRORS = 30


def capped(messages: list[str], limit: int = MAX_ERRORS) -> list[str]:
    """The first `limit` messages, then "… and N more." when there are more."""
    if len(messages) <= limit:
        return list(messages)
    hidden = len(messages) - limit
    return [*messages[:limit], f"… and {hidden:,} more."]


class FileProblem(Exception):
    """The file cannot be imported. `messages` name the row and column where they can; at
    most MAX_ERRORS of them are kept, then "… and N more." (`count` is the whole number)."""

    def __init__(self, messages: str | list[str]):
        messages = [messages] if isinstance(messages, str) else list(messages)
        self.count = len(messages)
        self.messages = capped(messages)
        super().__init__("; ".join(self.messages))

    def summary(self, limit: int = 5) -> str:
        """The first `limit` messages in one line, with how many more there are."""
        shown = self.messages[:limit]
        more = self.count - len(shown)
        return " ".join(shown) + (f" … and {more:,} more." if more > 0 else "")


# What each kind of file is called, where to upload it, and the command that imports it.
KINDS = {
    "register": ("a full register", "import_register"),
    "update": ("a monthly update", "import_register_update"),
    "addresses": ("a council address export", "import_addresses"),
    "members": ("a party membership list", "import_members"),
}


class WrongKind(FileProblem):
    """The file is another kind of file we know (a monthly update uploaded as a register …).
    The message gives the advice for the upload page; `command_advice(path)` for the
    command line."""

    def __init__(self, *, kind: str, layout: str, upload_label: str):
        self.kind = kind
        self.layout = layout
        self.what = KINDS[kind][0]
        super().__init__(
            f"This is {self.what} (the “{layout}” layout): use “{upload_label}” on the upload page."
        )

    def command_advice(self, path: str) -> str:
        return (
            f"This is {self.what} (the “{self.layout}” layout): use "
            f"`manage.py {KINDS[self.kind][1]} {path}`."
        )
