from dynalint.cli import main

main(prog_name="dynalint")
