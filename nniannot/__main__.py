from nniannot.cli import main

main()
