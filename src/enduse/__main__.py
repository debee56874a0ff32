from enduse.cli import main

main()
