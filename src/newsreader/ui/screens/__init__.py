"""The reader's screens: main (three panes), help, feed health, welcome."""
