"""Content-Length framing (LSP and DAP share it), for the benchmark clients."""

import time


def read_frames(f, put):
    """Reads frames from the binary stream `f` until it ends, calling
    put((t, length, body)) with `t` the time the frame's last byte was read (so a
    large message being parsed elsewhere does not delay the next one's stamp).
    Always ends with put(None). Returns None at the end of the stream, or a text
    saying what was malformed."""
    try:
        while True:
            length = None
            while True:
                line = f.readline()
                if not line:
                    return None
                line = line.strip()
                if not line:
                    break
                name, _, value = line.decode("ascii", "replace").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            if length is None:
                raise ValueError(f"frame without Content-Length (header line {line!r})")
            data = f.read(length)
            t = time.perf_counter()
            if len(data) < length:
                return None
            put((t, length, data))
    except Exception as e:  # malformed output
        return f"{type(e).__name__}: {e}"
    finally:
        put(None)
