"""`flask db upgrade` on an empty database builds exactly what the models describe."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from engage import create_app
from engage.extensions import db
from tests.conftest import ON_POSTGRES, _config_for


def _empty_database():
    """Drop every table, including Alembic's own."""
    db.drop_all()
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    assert inspect(db.engine).get_table_names() == []


def _drift():
    """Differences between the migrated database and the models."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_upgrade_on_an_empty_database_matches_the_models(tmp_path):
    app = create_app(_config_for(tmp_path))
    with app.app_context():
        _empty_database()
        upgrade()
        assert _drift() == []
        tables = set(inspect(db.engine).get_table_names())
        assert {"consultation", "plan_section", "response", "feedback_item", "tag", "audit_event"} <= tables


def test_downgrade_then_upgrade_again(tmp_path):
    app = create_app(_config_for(tmp_path))
    with app.app_context():
        _empty_database()
        upgrade()
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert _drift() == []
        if ON_POSTGRES:
            # Leave the schema in place for the other tests' fixture.
            db.session.remove()
