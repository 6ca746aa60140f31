"""Partners' drop folders: watched for the files they send (see ``watcher`` for how and why)."""

from lightsoff.connectors.folder.watcher import (
    DropFolder,
    FileDeferred,
    FileHandled,
    FolderTrouble,
    FolderWatcher,
    Received,
    WatchEvent,
    WatchSettings,
)

__all__ = [
    "DropFolder",
    "FileDeferred",
    "FileHandled",
    "FolderTrouble",
    "FolderWatcher",
    "Received",
    "WatchEvent",
    "WatchSettings",
]
