"""Reading the files a CLP receives: sniffing, layouts, and turning rows into clean records.

Nothing here writes to the database; members.services does, all or nothing.
"""


class FileProblem(Exception):
    """The file cannot be imported. `messages` name the row and column where they can."""

    def __init__(self, messages: str | list[str]):
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__("; ".join(self.messages))
