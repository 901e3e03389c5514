"""Checking one image file before training, so a bad file is named instead of failing ``fit``.

:func:`image_problem` opens a file with Pillow and returns why it cannot be used, or ``None``.
The check is chosen to be fast on thousands of files while catching what would make
TensorFlow's decoder fail later:

- Every file: Pillow identifies the format from the content (not the extension, so a JPEG
  saved as ``.png`` is fine: TensorFlow also decodes by content) and reads the header.
- PNG: ``verify()`` walks every chunk and checks its CRC, which finds truncated and damaged
  files without inflating the pixels.
- JPEG: a draft-mode load decodes at 1/8 scale; it still reads the whole compressed stream, so
  a truncated file is found at a fraction of the cost of a full decode.
- GIF and BMP: a full load (GIF decodes its first frame only; BMP is raw pixels), plus a check
  that a BMP uses a layout TensorFlow's decoder reads (24 or 32 bits, or 8-bit grayscale,
  uncompressed).

No image is decoded in full twice: the check never keeps pixels, and ``tf.data`` decodes each
image once per epoch during training.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from PIL import Image, UnidentifiedImageError

# Content formats TensorFlow's decode_image reads (MPO is a JPEG with extra frames).
DECODABLE_FORMATS = ("PNG", "JPEG", "MPO", "GIF", "BMP", "WEBP")
_FIX = "re-save it as PNG or JPEG, or delete it"
_BMP_HEADER_BYTES = 34


def image_problem(path: Path) -> str | None:
    """Return why the image at ``path`` cannot be used for training, or ``None`` if it can.

    Args:
        path: An image file.

    Returns:
        A short reason with a fix (``truncated or damaged (…); re-save it …``), or ``None``.
    """
    try:
        if path.stat().st_size == 0:
            return f"empty file (0 bytes); {_FIX}"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _check(path)
    except UnidentifiedImageError:
        return ("not an image, or damaged beyond recognition: Pillow cannot identify its "
                "content; delete or replace it")
    except Image.DecompressionBombError as error:
        return f"too large ({error}); shrink it"
    except PermissionError:
        return "cannot be read: permission denied; fix the file's permissions"
    except (OSError, SyntaxError, ValueError, EOFError, IndexError) as error:
        return f"truncated or damaged ({_short(error)}); {_FIX}"


def _check(path: Path) -> str | None:
    with Image.open(path) as image:
        image_format = image.format or "unknown"
        if image_format not in DECODABLE_FORMATS:
            return f"its content is {image_format}, which TensorFlow cannot decode; {_FIX}"
        if image_format == "PNG":
            image.verify()
            return None
        if image_format in ("JPEG", "MPO"):
            image.draft("RGB", (1, 1))
        mode = image.mode
        image.load()
    return _bmp_problem(path, mode) if image_format == "BMP" else None


def _bmp_problem(path: Path, mode: str) -> str | None:
    """Return why TensorFlow's BMP decoder would fail on (or misread) this BMP, if it would."""
    with path.open("rb") as stream:
        header = stream.read(_BMP_HEADER_BYTES)
    header_size = int.from_bytes(header[14:18], "little")
    bits = int.from_bytes(header[28:30], "little") if header_size >= 40 else 0
    compression = int.from_bytes(header[30:34], "little") if header_size >= 40 else 0
    if bits in (24, 32) and compression in (0, 3):
        return None
    if bits == 8 and mode == "L" and compression == 0:
        return None
    return (f"a BMP layout TensorFlow cannot decode ({bits or 'old-style'}-bit, mode {mode}, "
            f"compression {compression}); {_FIX}")


def _short(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return text if len(text) <= 80 else text[:77] + "..."
