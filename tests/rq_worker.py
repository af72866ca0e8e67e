"""Run `flask --app engage worker --burst` in this process, with the test job kinds registered."""
import tests.test_rq  # noqa: F401  (registers the "test_count_to" job kind)
from engage import create_app

if __name__ == "__main__":
    app = create_app()
    result = app.test_cli_runner().invoke(args=["worker", "--burst"], catch_exceptions=False)
    print(result.output)
    raise SystemExit(result.exit_code)
