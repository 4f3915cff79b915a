"""A catalogue of student submissions for exercise 7.4 (Dropout, L2regularization), written against the
course skeleton exactly as students write them (numpy only, no toyframe base classes).

wrong_dropouts.py and wrong_l2.py hold realistic bugs, each with the graded parts it must lose;
correct.py holds correct solutions written in different styles. tests/test_catalogue.py grades them all.
"""
