"""CS231n-style Assignment 2: dropout, fully-connected nets and update rules."""
