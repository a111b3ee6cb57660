from fanjing.cli import main

main()
