"""Small JPEG previews of dataset images, cached on disk.

The gallery asks for hundreds of thumbnails at once; decoding a 12 MP photo each time
would be far too slow, so thumbnails are rendered once and kept under a cache path
whose name changes whenever the source file does (see `thumbnail_path`).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from PIL import Image, ImageOps

from ...errors import Invalid
from ..storage import KEPT_FILE_MODE, disk_full_is_507

THUMB_QUALITY = 85
# Bump when the rendering changes so old cached thumbnails are no longer used.
THUMB_VERSION = 1


def thumbnail_path(
    cache_dir: Path,
    dataset_id: int,
    image_id: int,
    mtime_ns: int,
    size: int,
    *,
    max_side: int = 256,
) -> Path:
    """Where the thumbnail of one image lives in the cache.

    The name holds everything that makes a cached thumbnail stale: the source file's
    modification time and byte size (an edited or replaced image gets a new name), the
    rendered side length and the renderer version. Images are sharded by id so no
    folder grows past ~1,000 entries.
    """
    shard = f"{int(image_id) // 1000:05d}"
    name = f"{int(image_id)}-{int(mtime_ns)}-{int(size)}-{int(max_side)}-v{THUMB_VERSION}.jpg"
    return Path(cache_dir) / "thumbnails" / str(int(dataset_id)) / shard / name


def _to_rgb(img: Image.Image) -> Image.Image:
    """Convert any mode to RGB; transparent areas become white instead of black."""
    if img.mode == "RGB":
        return img
    if img.mode == "P" and "transparency" in img.info:
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "LA", "PA"):
        rgba = img.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16/32-bit grey: scale to 8 bits rather than clipping everything to white.
        img = img.point(lambda v: v / 256).convert("L")
    return img.convert("RGB")


def make_thumbnail(src: Path, dst: Path, max_side: int = 256, *, tmp_dir: Path | None = None) -> None:
    """Render `src` as a JPEG no larger than `max_side` on its longer side at `dst`.

    EXIF orientation is applied so the preview looks like the photo. The file is written
    to a temporary name in `tmp_dir` (default: `dst`'s folder; it must be on the same
    disk), fsynced, then renamed, so a reader never sees half a thumbnail, concurrent
    renders of the same image are harmless, and a process killed mid-write leaves its
    temp file where the server's start clears leftovers. Raises Invalid when the source
    cannot be decoded, InsufficientStorage when the disk is full (nothing is kept).
    """
    src, dst = Path(src), Path(dst)
    if max_side < 1:
        raise Invalid("Thumbnail size must be at least 1 pixel.", details=[{"max_side": max_side}])
    try:
        with Image.open(src) as img:
            # JPEG can decode at 1/2, 1/4, 1/8 scale directly: much faster for big photos.
            img.draft("RGB", (max_side * 2, max_side * 2))
            img.load()
            img = ImageOps.exif_transpose(img)
            img = _to_rgb(img)
            img.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise Invalid(
            f"Cannot make a thumbnail: {src.name} is not a readable image.",
            code="corrupt_image",
            details=[{"file": str(src), "reason": str(exc) or type(exc).__name__}],
        ) from exc

    with disk_full_is_507("the thumbnail"):
        dst.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{dst.name}.", suffix=".tmp", dir=tmp_dir or dst.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                img.save(fh, format="JPEG", quality=THUMB_QUALITY, optimize=True)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp_name, KEPT_FILE_MODE)
            os.replace(tmp_name, dst)
        except BaseException:
            try:
                os.unlink(tmp_name)
            except FileNotFoundError:
                pass
            raise
