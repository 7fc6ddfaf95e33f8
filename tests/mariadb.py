"""A private MariaDB server for tests: its own data folder, port and socket, started
and stopped by the test session (``.ci/run`` installs the mariadb-server package)."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

SERVER = shutil.which("mariadbd") or "/usr/sbin/mariadbd"
INSTALL_DB = shutil.which("mariadb-install-db") or shutil.which("mysql_install_db")


def available() -> bool:
    return os.path.exists(SERVER) and INSTALL_DB is not None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MariaDB:
    def __init__(self, folder: Path):
        self.folder = folder
        self.port = _free_port()
        self.process: subprocess.Popen | None = None

    def url(self, database: str) -> str:
        return f"mysql://root@127.0.0.1:{self.port}/{database}"

    def start(self) -> "MariaDB":
        data = self.folder / "data"
        subprocess.run([INSTALL_DB, f"--datadir={data}", "--user=root",
                        "--auth-root-authentication-method=normal", "--skip-test-db"],
                       check=True, capture_output=True)
        self.process = subprocess.Popen(
            [SERVER, "--no-defaults", f"--datadir={data}", "--user=root",
             f"--port={self.port}", "--bind-address=127.0.0.1",
             f"--socket={self.folder / 'mysqld.sock'}", f"--pid-file={self.folder / 'pid'}",
             "--skip-grant-tables", "--skip-log-bin"],
            stdout=subprocess.DEVNULL, stderr=open(self.folder / "server.log", "w"))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.2)
        raise RuntimeError("MariaDB did not start: " + (self.folder / "server.log").read_text())

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=60)
