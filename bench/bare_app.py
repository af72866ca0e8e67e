"""A bare Flask app doing one insert per request: the floor the journey is compared with."""
import os

from flask import Flask
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, exc, insert, inspect
from sqlalchemy.schema import CreateTable

engine = create_engine(os.environ["DATABASE_URL"], pool_pre_ping=True)
metadata = MetaData()
rows = Table("bench_insert", metadata, Column("id", Integer, primary_key=True), Column("note", String(40)))
# Every gunicorn worker imports this at once: IF NOT EXISTS, not create_all's check-then-create,
# which let two workers race (one failed to boot with "table bench_insert already exists"); on
# PostgreSQL two concurrent IF NOT EXISTS can still collide, and then the other worker made it.
try:
    with engine.begin() as connection:
        connection.execute(CreateTable(rows, if_not_exists=True))
except exc.DBAPIError:
    if not inspect(engine).has_table("bench_insert"):
        raise

app = Flask(__name__)


@app.post("/insert")
def insert_one():
    """One row, one commit."""
    with engine.begin() as connection:
        connection.execute(insert(rows).values(note="bench"))
    return "ok"
