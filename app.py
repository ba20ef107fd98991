"""Mustafid: the app factory, and ``python app.py`` to run it on the embedded default."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

import config
import sheets

ROOT = Path(__file__).resolve().parent


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create and configure the app (settings from the environment, then ``test_config``)."""
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(config.load(os.environ, ROOT))
    if test_config is not None:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config.instance_secret(app.instance_path)
    sheets.init_app(app)
    return app


def main() -> None:
    """Prepare the embedded workbook and serve the app on http://127.0.0.1:5000."""
    app = create_app()
    with app.app_context():
        for line in sheets.ensure_layout(sheets.get_workbook()):
            print(f"+ {line}")
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "5000")))


if __name__ == "__main__":
    main()
