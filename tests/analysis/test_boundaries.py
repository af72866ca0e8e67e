"""engage.analysis is plain Python on plain data: no Flask, no database, no app (house style rule 7)."""
import ast
from pathlib import Path

import engage.analysis

FORBIDDEN = ("flask", "flask_sqlalchemy", "sqlalchemy", "werkzeug", "engage.models", "engage.extensions")


def test_analysis_modules_import_nothing_from_the_web_app():
    package = Path(engage.analysis.__file__).parent
    for module in package.glob("*.py"):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                if isinstance(node, ast.Name):
                    assert node.id != "current_app", module.name
                continue
            for name in names:
                assert not name.startswith(FORBIDDEN), f"{module.name} imports {name}"
                if name.startswith("engage."):
                    assert name.startswith("engage.analysis"), f"{module.name} imports {name}"
