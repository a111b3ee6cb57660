from fanjing.cli import app

app(prog_name="fanjing")
