from django.apps import AppConfig


class QuestionsConfig(AppConfig):
    name = "groundswell.questions"
    label = "questions"
