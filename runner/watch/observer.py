"""File-system events in, one debounced "these paths changed" out.

:class:`FileWatcher` schedules a non-recursive watchdog watch on each folder that holds a watched file (and
on the code directory, to see new modules appear), keeps only events that can matter, and hands them to a
:class:`Debouncer`: a burst of writes (an editor's save is often several) becomes one call, made
``delay`` seconds after the last event. Nothing here polls, except watchdog's ``PollingObserver`` when
asked for (``poll=True``, for network file systems where inotify sees nothing).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from nniannot.runner.watch.files import PathFilter

# Events that mean content may have changed; opened/closed/attrib events are ignored, or our own reads
# of the files would wake the watch.
_CONTENT_EVENTS = frozenset({"created", "modified", "moved", "deleted"})
POLL_INTERVAL = 0.5  # seconds between scans with --poll


class Debouncer:
    """Calls ``callback(items)`` once, ``delay`` seconds after the last :meth:`poke` of a burst.

    A ``threading.Timer`` is restarted by every poke; a generation number makes a timer that fired while
    being replaced do nothing, so each burst gives exactly one call with every item poked during it.
    """

    def __init__(self, delay: float, callback: Callable[[set[str]], None]) -> None:
        self.delay = delay
        self._callback = callback
        self._lock = threading.Lock()
        self._items: set[str] = set()
        self._timer: threading.Timer | None = None
        self._generation = 0

    def poke(self, item: str) -> None:
        with self._lock:
            self._items.add(item)
            self._generation += 1
            if self._timer is not None:
                self._timer.cancel()
            self._timer = threading.Timer(self.delay, self._fire, (self._generation,))
            self._timer.daemon = True
            self._timer.start()

    def _fire(self, generation: int) -> None:
        with self._lock:
            if generation != self._generation or not self._items:
                return
            items, self._items, self._timer = self._items, set(), None
        self._callback(items)

    def cancel(self) -> None:
        """Drop what is pending; no callback follows."""
        with self._lock:
            self._generation += 1
            self._items.clear()
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None


class FileWatcher:
    """Reports changes of the watched files, and new ``.py`` files, in the folders that hold them.

    ``on_change(paths)`` is called from a timer thread with absolute paths. A path in the watched set
    changed, or a new Python file appeared (it may be a module the trial imports but could not find).
    """

    def __init__(
        self,
        on_change: Callable[[set[str]], None],
        path_filter: PathFilter,
        *,
        debounce: float = 0.2,
        poll: bool = False,
    ) -> None:
        self.path_filter = path_filter
        self._debouncer = Debouncer(debounce, on_change)
        self._observer = PollingObserver(timeout=POLL_INTERVAL) if poll else Observer()
        self._handler = _Handler(self)
        self._watches: dict[str, object] = {}
        self.files: frozenset[str] = frozenset()

    def watch(self, files: Iterable[str], extra_dirs: Iterable[str] = ()) -> None:
        """Watch exactly ``files`` (absolute paths) from now on; folders are (un)scheduled to match."""
        self.files = frozenset(os.path.abspath(f) for f in files)
        wanted = {os.path.dirname(f) for f in self.files} | {os.path.abspath(d) for d in extra_dirs}
        wanted = {d for d in wanted if os.path.isdir(d)}
        for folder in set(self._watches) - wanted:
            self._observer.unschedule(self._watches.pop(folder))  # type: ignore[arg-type]
        for folder in sorted(wanted - set(self._watches)):
            self._watches[folder] = self._observer.schedule(self._handler, folder, recursive=False)

    def start(self) -> None:
        self._observer.start()

    def stop(self) -> None:
        """Stop watching; no ``on_change`` call follows."""
        self._debouncer.cancel()
        if self._observer.is_alive():
            self._observer.stop()
            self._observer.join()
        self._debouncer.cancel()

    def notice(self, event_type: str, path: str) -> None:
        """Called for every raw event; passes on those that can matter."""
        if event_type not in _CONTENT_EVENTS or self.path_filter.ignored(path):
            return
        if os.path.basename(path) == ".gitignore":
            self.path_filter.reload()
        elif path in self.files or (event_type in ("created", "moved") and path.endswith(".py")):
            self._debouncer.poke(path)


class _Handler(FileSystemEventHandler):
    """watchdog's callback: every path an event names (both ends of a move) goes to the watcher."""

    def __init__(self, watcher: FileWatcher) -> None:
        super().__init__()
        self._watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory:
            return
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            if raw:
                self._watcher.notice(event.event_type, os.path.abspath(os.fsdecode(raw)))
