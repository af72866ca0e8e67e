"""A bare Flask app doing one insert per request: the floor the journey is compared with."""
import os

from flask import Flask
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, insert

engine = create_engine(os.environ["DATABASE_URL"], pool_pre_ping=True)
metadata = MetaData()
rows = Table("bench_insert", metadata, Column("id", Integer, primary_key=True), Column("note", String(40)))
metadata.create_all(engine)

app = Flask(__name__)


@app.post("/insert")
def insert_one():
    """One row, one commit."""
    with engine.begin() as connection:
        connection.execute(insert(rows).values(note="bench"))
    return "ok"
