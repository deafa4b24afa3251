"""Load generator for facilitate: real phones, a real projector, over real websockets.

`python -m bench --phones 50 --scenario all` starts the servers itself (facilitate and a bare
Flask-SocketIO app), drives them with python-socketio's asyncio client, and prints the figures.
"""
