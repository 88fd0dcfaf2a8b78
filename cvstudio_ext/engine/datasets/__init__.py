"""Dataset formats, indexing, lint, thumbnails, augmentation and archives."""
