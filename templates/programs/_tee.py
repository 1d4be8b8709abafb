import io
import sys


# Standard output that also keeps what the program prints, for the self-check at the end.
class Tee(io.TextIOBase):
    def __init__(self, stream):
        self.stream, self.kept = stream, io.StringIO()

    def write(self, text):
        self.kept.write(text)
        return self.stream.write(text)

    def flush(self):
        self.stream.flush()

    def __getattr__(self, name):  # the rest (an IPython kernel's set_parent, say) is the stream's
        return getattr(self.stream, name)


sys.stdout = program_output = Tee(sys.stdout)
