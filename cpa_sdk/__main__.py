from cpa_sdk.cli import main

main()
