"""enterprise_enroll: enroll an enterprise customer's learners into Open edX course runs over REST."""

__version__ = "0.1.0"
