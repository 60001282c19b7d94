# flow: list.index/count/remove and tuple.index/count over items whose __eq__ blocks: the live list searched as CPython searches it (identity first, the item's __eq__ then the value's), with start/stop and the errors CPython raises
import time

calls = []


class Card:
    def __init__(self, rank, suit):
        self.rank, self.suit = rank, suit

    def __eq__(self, other):
        time.sleep(0)
        calls.append(f"{self}=={other}")
        if not isinstance(other, Card):
            return NotImplemented
        return self.rank == other.rank

    __hash__ = None

    def __repr__(self):
        return f"{self.rank}{self.suit}"


def main():
    hand = [Card(2, "h"), Card(9, "s"), Card(2, "d"), Card(5, "c")]
    print(hand.index(Card(2, "x")), hand.index(Card(2, "x"), 1), hand.count(Card(2, "x")))
    five = hand[3]
    print(hand.index(five), hand.count(five))
    hand.remove(Card(9, "x"))
    print(hand)
    try:
        hand.index(Card(7, "x"), 0, 2)
    except ValueError as e:
        print("ValueError:", e)
    try:
        hand.remove(Card(7, "x"))
    except ValueError as e:
        print("ValueError:", e)
    pair = tuple(hand)
    print(pair.index(Card(5, "x")), pair.count(Card(2, "x")))
    try:
        pair.index(Card(8, "x"))
    except ValueError as e:
        print("ValueError:", e)
    print(hand.index(Card(5, "x"), -2), [1, 2, 3].index(3), "abcb".count("b"))
    print(len(calls))
    print("\n".join(calls[:6]))


main()
